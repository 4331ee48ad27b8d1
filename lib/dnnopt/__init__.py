"""dnnopt: a small, correct numpy deep-learning library for teaching optimization in deep networks."""
