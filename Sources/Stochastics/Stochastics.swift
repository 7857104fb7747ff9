// Stochastics module.
