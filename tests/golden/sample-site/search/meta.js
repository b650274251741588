pithgenShard("search/meta", {"doc_block":500,"docs":1,"token_shards":16,"tokens":35,"version":1});
