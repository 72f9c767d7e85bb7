"""The checks of a dataset: health, label shuffle, learning curve, timestep map, ceiling, labels, class pairs."""
