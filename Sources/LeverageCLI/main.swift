print("leverage")
