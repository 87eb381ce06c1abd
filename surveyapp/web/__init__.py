"""HTTP glue: parse the request, authorise, call a service, render. Nothing imports this package."""
