"""One reader per kind of project file, over a shared file-access layer (`files`).

Each reader takes a parsed file and gives back model objects, recording every problem with its
position; `bulletin.load` walks a project, calls them and runs the checks that span files.
"""
