"""Self-service: the knowledge base (articles, revisions, translations), its search and
suggestions, the public help centre, the contact form and the customer portal, and the
content-gap loop that shows the team what the knowledge base is missing."""
