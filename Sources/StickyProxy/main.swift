print("sticky-proxy: not yet")
