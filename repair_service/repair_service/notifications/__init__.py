"""WeChat messages to customers at the important steps of their orders."""
