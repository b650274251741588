pithgenShard("search/t/d", {"04415":[5,6],"2309":[0],"abe":[2,7],"chen":[0],"dl":[5,6],"itkquvfdxrols5zdhi5ktcpapj":[1],"qc":[7],"records":[5,6],"second":[0]});
