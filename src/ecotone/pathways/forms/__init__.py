"""Forms of the pathways app, one module per area (`pathways`: curating pathways; `badges`:
achievements, awarding and revoking). Forms only read what was typed; the rules are the
services'."""
