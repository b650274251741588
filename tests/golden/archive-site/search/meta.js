pithgenShard("search/meta", {"doc_block":32,"docs":7,"records":8,"token_shards":16,"tokens":194,"version":2});
