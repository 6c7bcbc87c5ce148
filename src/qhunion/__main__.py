from qhunion.cli import main

main()
