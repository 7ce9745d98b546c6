// Tests of the Models module live in this target.
