// CapitalStacks module.
