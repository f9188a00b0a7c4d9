# The routines' guided flows and the signing of actions, svenska.
