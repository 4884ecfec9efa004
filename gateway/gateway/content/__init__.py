"""The customer's content pages: articles, products, search and previews, read from cms."""
