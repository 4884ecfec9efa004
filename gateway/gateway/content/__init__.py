"""The customer's content pages read from cms: home, articles, videos, software, products,
search, likes and favourites, and editors' previews."""
