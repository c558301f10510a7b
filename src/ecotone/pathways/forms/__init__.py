"""Forms of the pathways app, one module per area (`pathways`: curating pathways). Forms only
read what was typed; the rules are the services'."""
