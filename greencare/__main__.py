from greencare.cli import main

main(prog_name="greencare")
