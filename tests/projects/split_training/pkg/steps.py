def inner(optimizer):
    optimizer.step()
