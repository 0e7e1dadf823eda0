"""The workshop (``notebooks/05_workshop.ipynb``): what its cells call, its answer key, the
learner's copy and the handout.

* :mod:`~imgfake.workshop.helpers`: the samples and their edit masks, a photo beside its
  error-level image or any method's map, the methods table, a photo from an upload widget, a
  camera's own JPEG, content credentials signed with a throwaway key;
* :mod:`~imgfake.workshop.checks`: one checker per exercise (``check_quality``, ...), each
  recomputing what the learner computed; ``✓ Right: …`` or ``✗ Not yet: <hint>``, never an error;
* :mod:`~imgfake.workshop.build`: :func:`learner_copy` (solution cells become stubs) and
  :func:`handout_html`; ``python -m imgfake.workshop`` (``make workshop``) writes both.

>>> from imgfake import workshop
>>> workshop.check_quality(None).ok
✗ Not yet: set my_quality to a JPEG quality from 50 to 100 (a whole number) and look at the retouched photo's ELA image; the right one makes the smoothed rocks glow against the rest
False
"""

from .build import handout_html, learner_copy, main, stub_source, write_workshop
from .checks import (EXERCISES, Feedback, check_camera, check_clone_method, check_comparison, check_credentials,
                     check_dashboard, check_laundering, check_own_photo, check_quality, check_region, check_texture,
                     suspicion_contrast)
from .helpers import (SAMPLES, camera_original, edit_mask, ela_view, evidence_view, methods_table, overview,
                      sample, sample_bytes, sign_claim, uploaded_photo)

__all__ = ["EXERCISES", "Feedback", "SAMPLES", "camera_original", "check_camera", "check_clone_method",
           "check_comparison", "check_credentials", "check_dashboard", "check_laundering", "check_own_photo",
           "check_quality", "check_region", "check_texture", "edit_mask", "ela_view", "evidence_view",
           "handout_html", "learner_copy", "methods_table", "overview", "sample", "sample_bytes", "sign_claim",
           "stub_source", "suspicion_contrast", "uploaded_photo", "write_workshop", "main"]
