/// Leverage: public–private co-investment and leverage for Europe's AI financing.
///
/// The one module users import; it re-exports every layer.
@_exported import LinearAlgebra
@_exported import Stochastics
@_exported import RiskSharing
@_exported import RiskCover
@_exported import ProjectFinance
@_exported import CapitalStacks
@_exported import Scenarios
@_exported import Reports
