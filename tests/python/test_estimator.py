"""PhysicalRegressor as a scikit-learn estimator: params, clone, Pipeline, cross_val_score,
DataFrame feature names."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

from physr import PhysicalRegressor  # noqa: E402

SMALL = dict(batch_size=200, epochs=4, threads=2, seed=1)


def make_regressor(**kwargs):
    return PhysicalRegressor(**{**SMALL, **kwargs})


def test_get_set_params_and_clone():
    model = make_regressor(X_units=["kg", "m/s^2"], y_units="N", ops="mul,div",
                           options={"hidden_size": 16})
    params = model.get_params()
    assert params["X_units"] == ["kg", "m/s^2"] and params["options"] == {"hidden_size": 16}
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    copy.set_params(epochs=7, y_units="kg*m/s^2")
    assert copy.epochs == 7 and model.epochs == 4
    assert "PhysicalRegressor(" in repr(model)


def test_fit_predict_score_with_units(newton):
    X, F = newton
    model = make_regressor(X_units=["kg", "m/s^2"], y_units="N", ops="mul,div",
                           default_free_consts=False, epochs=30)
    with pytest.raises(NotFittedError):
        model.predict(X)
    assert model.fit(X, F) is model
    check_is_fitted(model)
    assert model.n_features_in_ == 2
    assert not hasattr(model, "feature_names_in_")
    np.testing.assert_allclose(model.predict(X), F, rtol=1e-9)
    assert model.score(X, F) == pytest.approx(1.0)
    assert model.equation_ == model.formula_.infix_values
    assert model.result_.best is model.formula_ and model.pareto_


def test_dataframe_feature_names(newton):
    pd = pytest.importorskip("pandas")
    X, F = newton
    frame = pd.DataFrame({"m[kg]": X[:, 0], "a[m/s^2]": X[:, 1]})
    model = make_regressor(y_units="N").fit(frame, F)
    assert list(model.feature_names_in_) == ["m[kg]", "a[m/s^2]"]
    reordered = frame[["a[m/s^2]", "m[kg]"]]
    np.testing.assert_allclose(model.predict(reordered), model.predict(frame))
    with pytest.raises(ValueError, match="fitted on"):
        model.predict(frame.rename(columns={"m[kg]": "mass"}))


def test_pipeline_and_cross_val_score():
    rng = np.random.default_rng(4)
    X = rng.uniform(1.0, 3.0, (60, 2))
    y = X[:, 0] * X[:, 1]
    pipeline = make_pipeline(FunctionTransformer(), make_regressor())
    pipeline.fit(X, y)
    assert pipeline.predict(X).shape == (60,)
    scores = cross_val_score(make_regressor(), X, y, cv=3)
    assert scores.shape == (3,)
    assert np.all(np.isfinite(scores))


def test_clone_of_fitted_estimator_is_unfitted(newton):
    X, F = newton
    model = make_regressor(X_units=["kg", "m/s^2"], y_units="N").fit(X, F)
    fresh = clone(model)
    with pytest.raises(NotFittedError):
        check_is_fitted(fresh)
