// RiskSharing module.
