print("bitsage-proof: under construction")
