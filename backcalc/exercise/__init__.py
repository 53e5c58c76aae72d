"""``backcalc exercise``: hand-computable variants of one exercise, and what goes with them.

One concern a module, in the order the command uses them:

* ``request``      — the options, checked, and the command that regenerates a variant;
* ``roster``       — the student ids of a roster CSV;
* ``asking``       — what ``--ask`` asks, as answers-file keys, and the values they name;
* ``drawing``      — the numbers a variant draws (ranges, decimals, the seed);
* ``slip_values``  — what each slip of ``check``'s catalogue gives for each asked value;
* ``constraints``  — SPEC's constraints on a drawn calculation, each with its name;
* ``search``       — drawing until every constraint holds, a bounded number of times;
* ``variant_file`` — a variant as a network file, its header the command remaking it;
* ``moodle_questions`` — the Moodle quiz's questions (``moodle`` writes the XML);
* ``writing``      — the files of DIR (sheets and keys by ``exercise_sheets``).

Nothing here prints or exits; errors are ``InputError``s (the command line's one line).
"""
