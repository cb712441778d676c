async def test_tab_from_the_file_tree_goes_to_the_file_field(small_db, tmp_path) -> None:
    """Tab from the tree lands on the File field, so a path typed next goes into it (it used to
    land on the options' scroll pane, where letters are section keys and the path was lost)."""
    from greencare.tui.app import GreencareApp

    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "imp-tree"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "imp-path"
        await pilot.press(*"bills.csv")
        assert app.screen.query_one("#imp-path").value == "bills.csv"
        assert app.current_mode == "import"
