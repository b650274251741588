pithgenShard("resolve/p/IT", [["ITKQUVFDXROLS5ZDHI5KTCPAPJ","pith:2023:ITKQUVFDXROLS5ZDHI5KTCPAPJ","Cross-Listed Learning for Sparse Stochastic Graphs"]]);
