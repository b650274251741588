pithgenShard("search/t/a", {"01111v1":[2],"1907.04415":[5,6],"2104.05678":[3],"27cjb6wb":[4],"cs.cr":[2,5,6],"hos3xe5ipkw5sfyf55phyp4m64":[0],"revisited":[5],"stat.ml":[1]});
