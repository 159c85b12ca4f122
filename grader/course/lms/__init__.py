"""Canvas and Moodle: an LMS's own files in, files the LMS imports out.

- ``table.py`` reads an LMS's CSV export (a BOM, commas or semicolons);
- ``roster.py`` reads the class list (Canvas's gradebook export; Moodle's grade export or
  grading worksheet) and says which student ID each LMS user has;
- ``names.py`` reads the names Canvas and Moodle give the files of a submission download;
- ``collect.py`` files a download's notebooks into nbgrader's ``submitted/`` under the
  roster's student IDs, and records what it read (``record.py``);
- ``export.py`` writes the grades as Canvas's gradebook import or Moodle's grade import,
  ``feedback_zip.py`` the feedback pages as each LMS takes them back;
- ``nbgrader_export.py`` is the same export as nbgrader export plugins;
- ``handout.py`` makes the notebook a student can open alone.
"""
