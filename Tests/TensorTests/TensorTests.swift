// Tests of the Tensor module live in this target.
