pithgenShard("resolve/a/5", {"2306.11111":[[1,"ITKQUVFDXROLS5ZDHI5KTCPAPJ","pith:2023:ITKQUVFDXROLS5ZDHI5KTCPAPJ","Cross-Listed Learning for Sparse Stochastic Graphs"]]});
