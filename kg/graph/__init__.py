"""Facts as RDF: the IRI scheme, the named-graph writer, the shapes, the Oxigraph store, pushing elsewhere."""
