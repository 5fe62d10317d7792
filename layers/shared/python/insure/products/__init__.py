"""The products on sale: their request models (`insure.products.models`) and their rulebooks' storage."""
