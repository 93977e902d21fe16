from hfexplore.cli import main

main()
