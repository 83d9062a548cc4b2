print("demo-app: not yet")
