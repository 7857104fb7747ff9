// ProjectFinance module: project cash flows of an AI gigafactory under correlated shocks.
