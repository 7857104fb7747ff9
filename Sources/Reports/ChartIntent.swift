/// The chart that answers a table's question, declared by the code that builds the table.
///
/// A chart names the columns it plots; nothing is inferred from column order or units, so a
/// chart can never show a limit, a budget or an iteration count by accident. Every chart has a
/// title that asks its question (`What leverage do investors accept?`), axes titled with
/// their units (from the plotted columns) and a caption. `HTMLReport` draws it as inline SVG;
/// every plotted value carries `data-row`, `data-column` and `data-value` attributes, so tests
/// (and readers of the SVG) can check that it shows the table's numbers.
public struct Chart: Sendable, Equatable {
    /// The question the chart answers, shown as its title.
    public var title: String
    /// One or two sentences under the chart: what is drawn, what whiskers and bands mean.
    public var caption: String
    public var kind: Kind

    public init(_ kind: Kind, title: String, caption: String) {
        self.kind = kind
        self.title = title
        self.caption = caption
    }

    public enum Kind: Sendable, Equatable {
        /// Horizontal bars, one per row (several per row for several series).
        case bars(Bars)
        /// One stacked bar per category, a segment per row (the capital stack).
        case stacked(Stacked)
        /// Lines of one or more columns against an x column, in stacked panels (one unit each).
        case lines(Lines)
        /// Bands between percentiles and the median over time (a fan chart).
        case fan(Fan)
        /// A probability histogram on a log scale, with markers (attachments, VaR levels).
        case distribution(Distribution)
        /// Each row's change from a base row, largest first (sensitivity).
        case tornado(Tornado)
    }
}

extension Chart {
    /// A horizontal reference line (a limit, a covenant) or a vertical marker (an attachment point,
    /// a VaR level), in the units of the axis it is drawn on.
    public struct ReferenceValue: Sendable, Equatable {
        public var value: Double
        public var label: String
        public init(_ value: Double, _ label: String) {
            self.value = value
            self.label = label
        }
    }

    /// A plotted column and how its uncertainty is shown: ±2 standard errors from `standardError`,
    /// else the interval between `lower` and `upper` (when the row has one).
    public struct Series: Sendable, Equatable {
        public var column: String
        /// Legend label; defaults to the column's name without its unit.
        public var label: String?
        public var standardError: String?
        public var lower: String?
        public var upper: String?
        public init(_ column: String, label: String? = nil, standardError: String? = nil, lower: String? = nil, upper: String? = nil) {
            self.column = column
            self.label = label
            self.standardError = standardError
            self.lower = lower
            self.upper = upper
        }
    }

    /// Rows left out of a chart: those whose `column` holds one of `values` (totals, the volume).
    public struct RowFilter: Sendable, Equatable {
        public var column: String
        public var values: [String]
        public init(_ column: String, _ values: [String]) {
            self.column = column
            self.values = values
        }
    }

    public struct Bars: Sendable, Equatable {
        /// One bar per series per row, all in the same unit.
        public var series: [Series]
        /// Columns whose values, joined, label a row (`scenario`, `site`).
        public var label: [String]
        /// With one series: colour bars by this column's value (with a legend).
        public var colourBy: String?
        public var omit: [RowFilter]
        /// Vertical reference lines on the value axis.
        public var references: [ReferenceValue]
        public init(_ series: [Series], label: [String], colourBy: String? = nil, omit: [RowFilter] = [], references: [ReferenceValue] = []) {
            self.series = series
            self.label = label
            self.colourBy = colourBy
            self.omit = omit
            self.references = references
        }
    }

    public struct Stacked: Sendable, Equatable {
        /// One bar per distinct value (a stack, a scenario).
        public var category: String
        /// One segment per row, named by this column.
        public var segment: String
        public var value: String
        /// Colour segments by this column (`source` gets fixed colours per source of money).
        public var colourBy: String
        public var omit: [RowFilter]
        public init(category: String, segment: String, value: String, colourBy: String, omit: [RowFilter] = []) {
            self.category = category
            self.segment = segment
            self.value = value
            self.colourBy = colourBy
            self.omit = omit
        }
    }

    public struct Lines: Sendable, Equatable {
        /// One panel: columns in one unit, drawn against the shared x axis, with horizontal references.
        public struct Panel: Sendable, Equatable {
            public var series: [Series]
            public var references: [ReferenceValue]
            public init(_ series: [Series], references: [ReferenceValue] = []) {
                self.series = series
                self.references = references
            }
        }
        public var x: String
        public var panels: [Panel]
        /// Columns that split the rows into separate lines (scenario, the other grid axes).
        public var lineBy: [String]
        /// One column of panels per value of this column (a site), sharing the axes' ranges.
        public var facetBy: String?
        /// Marks, on every line, the smallest x whose row has `true` in this boolean column
        /// (the smallest cover meeting every constraint).
        public var markFirstTrue: String?
        public var markLabel: String
        /// Vertical lines at given x values (a solved cover), across every panel.
        public var markers: [ReferenceValue]
        public init(x: String, panels: [Panel], lineBy: [String] = [], facetBy: String? = nil, markFirstTrue: String? = nil, markLabel: String = "",
                    markers: [ReferenceValue] = []) {
            self.x = x
            self.panels = panels
            self.lineBy = lineBy
            self.facetBy = facetBy
            self.markFirstTrue = markFirstTrue
            self.markLabel = markLabel
            self.markers = markers
        }
    }

    public struct Fan: Sendable, Equatable {
        public var x: String
        /// One panel per value (a scenario), sharing both axes.
        public var facetBy: String?
        public var outer: (lower: String, upper: String)
        public var inner: (lower: String, upper: String)
        public var median: String
        public var references: [ReferenceValue]
        public init(x: String, facetBy: String?, outer: (String, String), inner: (String, String), median: String, references: [ReferenceValue] = []) {
            self.x = x
            self.facetBy = facetBy
            self.outer = (outer.0, outer.1)
            self.inner = (inner.0, inner.1)
            self.median = median
            self.references = references
        }
        public static func == (a: Fan, b: Fan) -> Bool {
            a.x == b.x && a.facetBy == b.facetBy && a.outer == b.outer && a.inner == b.inner && a.median == b.median && a.references == b.references
        }
    }

    public struct Distribution: Sendable, Equatable {
        public var from: String
        public var to: String
        public var probability: String
        public var standardError: String?
        /// Vertical markers on the loss axis (tranche attachments, VaR levels), in the axis's unit.
        public var markers: [ReferenceValue]
        public init(from: String, to: String, probability: String, standardError: String?, markers: [ReferenceValue] = []) {
            self.from = from
            self.to = to
            self.probability = probability
            self.standardError = standardError
            self.markers = markers
        }
    }

    public struct Tornado: Sendable, Equatable {
        public var label: String
        public var series: Series
        /// The row whose value is the base (`scenario` = `baseline`); it gets no bar, a line.
        public var base: RowFilter
        /// Rows with the same value in this column (an input) are one row of the chart: a bar for
        /// each (its low and its high end) from the base value, sorted by the span they cover; nil:
        /// every row is its own bar.
        public var pairBy: String?
        /// The column naming each bar of a pair (`low`, `high`): its colour and legend entry.
        public var end: String?
        /// A tornado.
        /// - Parameters:
        ///   - label: the column that names a row.
        ///   - series: the plotted column, with its uncertainty.
        ///   - base: the base row (drawn as a line, not a bar).
        ///   - pairBy: the column grouping the rows of one input into one row of the chart (nil: none).
        ///   - end: the column naming the end each row of a group stands for.
        public init(label: String, _ series: Series, base: RowFilter, pairBy: String? = nil, end: String? = nil) {
            self.label = label
            self.series = series
            self.base = base
            self.pairBy = pairBy
            self.end = end
        }
    }
}
