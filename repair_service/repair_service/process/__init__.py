"""The repair process as data: nodes, their names, estimates and granted teams; ETAs."""
