pithgenShard("search/t/8", {"11111":[1],"2306.11111v1":[1],"bounds":[2],"chay444x":[7],"listed":[1],"of":[5,6,7],"taken":[0]});
