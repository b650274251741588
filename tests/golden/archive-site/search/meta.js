pithgenShard("search/meta", {"doc_block":500,"docs":8,"token_shards":16,"tokens":140,"version":1});
