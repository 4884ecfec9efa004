"""A read copy of cms's product catalogue, filled from product events."""
