from partnerdir.cli import main

main()
