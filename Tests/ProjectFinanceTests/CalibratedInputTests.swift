import ProjectFinance
import Testing

@Suite("EST inputs: one key-path table reads and writes the project's fields")
struct CalibratedInputTests {
    @Test("Each input writes its own field and no other: set then value returns it, every other input unchanged")
    func ownField() {
        let base = smallProject()
        for (k, input) in CalibratedInput.allCases.enumerated() {
            let v = 0.123 + Double(k)          // distinct from every field's value in the small project
            let moved = input.set(v, in: base)
            #expect(input.value(in: moved) == v, "\(input)")
            #expect(input.value(in: base) != v)
            for other in CalibratedInput.allCases where other != input {
                #expect(other.value(in: moved) == other.value(in: base), "\(input) moved \(other)")
            }
            var back = moved
            back[keyPath: input.keyPath] = input.value(in: base)
            #expect(back == base, "\(input): writing the base back restores the project")
        }
    }

    @Test("The fields are the documented ones (a spot check of the table against ProjectParameters)")
    func fields() {
        let p = smallProject()
        #expect(CalibratedInput.chipUnitCostUSD.value(in: p) == p.capex.chipUnitCostUSD)
        #expect(CalibratedInput.electricityEURPerKWh.value(in: p) == p.opex.electricityEURPerKWh)
        #expect(CalibratedInput.margin.value(in: p) == p.funding.debt.margin)
        #expect(CalibratedInput.contractShare.value(in: p) == p.revenue.contract.share)
        #expect(CalibratedInput.rampUpMonths.value(in: p) == p.revenue.rampUpMonths)
    }
}
