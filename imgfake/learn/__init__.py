"""Learning: data sets and synthetic forgeries, features and baselines, the block maps the model
reads (:mod:`~imgfake.learn.maps`), the Keras models, the detector, training and evaluation.

Only :mod:`~imgfake.learn.models`, :mod:`~imgfake.learn.detector` (when a bundle is loaded),
:mod:`~imgfake.learn.train` and the tf.data helpers of :mod:`~imgfake.learn.maps` import
TensorFlow, and only when used. :mod:`~imgfake.learn.analysis` registers the detector as the
``"model"`` analysis.
"""
