pithgenShard("search/t/e", {"t":{"1374592":[1],"farah":[68],"fox":[68],"in":[17],"lattice":[104],"paper":[8],"quant":[50],"quant-ph":[50]}});
