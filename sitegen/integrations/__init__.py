"""Framework integrations: one small module per framework, importing it only when used.

    from sitegen.integrations.lightning import SitegenLogger          # Trainer(logger=...)
    from sitegen.integrations.transformers import SitegenCallback     # Trainer(callbacks=[...])
    from sitegen.integrations.keras import SitegenCallback            # model.fit(callbacks=[...])
    from sitegen.integrations.xgboost import SitegenCallback          # xgb.train(callbacks=[...])
    from sitegen.integrations.lightgbm import SitegenCallback         # lgb.train(callbacks=[...])
    from sitegen.integrations.optuna import SitegenCallback           # study.optimize(callbacks=[...])
    from sitegen.integrations.sklearn import log_search               # log_search(fitted_search)

``import sitegen`` imports none of these.
"""
