pithgenShard("search/t/9", {"04415v2":[5],"astro-ph.co":[4],"hep-th":[3,7],"itkquvfd":[1],"nunez":[1],"open":[4],"paper":[0],"reproducible":[5,6],"zoe":[1]});
