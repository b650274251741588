pithgenShard("search/meta", {"doc_block":32,"docs":1,"records":1,"token_shards":16,"tokens":100,"version":2});
