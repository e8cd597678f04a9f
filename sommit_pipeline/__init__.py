"""sommit-pipeline: Popina till sales -> beverage library links, stock and revenue."""
