"""Reading the graph: SPARQL queries and their result formats, the networkx projection, HTML pages, the endpoint."""
