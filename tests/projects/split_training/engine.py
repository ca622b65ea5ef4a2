def train_one_epoch(model, loader, optimizer, scaler=None):
    for inputs, targets in loader:
        loss = model(inputs).sub(targets).pow(2).mean()
        loss.backward()
        if scaler is not None:
            scaler.step(optimizer)
        else:
            optimizer.step()


def evaluate(model, loader):
    return [model(inputs) for inputs, _ in loader]


def log(message):
    print(message)


def log(message, level=0):  # defined twice: calls to it stay unresolved
    print(level, message)
