/**
 * DeleteRedeployRule: removes the EventBridge rule that starts a re-deploy when a new code zip lands, so
 * no re-deploy starts during the teardown. A rule with targets cannot be deleted (EventBridge DeleteRule
 * API reference: "you must remove all targets from the rule"), so its targets go first, in pages.
 */
import {
  DeleteRuleCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
import { isAwsError } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
  type TeardownDeps,
} from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

/** RemoveTargets takes at most 100 target ids per call (EventBridge API reference). */
const MAX_TARGETS_PER_CALL = 100;

export const run = withTransientErrors(
  async (event: TeardownExecutionState, deps: Partial<TeardownDeps> = {}): Promise<TeardownStepResult> => {
    const { config } = requireTeardownState(event, TeardownState.DeleteRedeployRule);
    const d = resolveTeardownDeps(deps);
    const Rule = config.redeployRuleName;
    const EventBusName = config.eventBusName;
    let removedTargets = 0;
    try {
      let NextToken: string | undefined;
      const ids: string[] = [];
      do {
        const page = await d.eventBridge.send(
          new ListTargetsByRuleCommand({ Rule, EventBusName, ...(NextToken ? { NextToken } : {}) }),
        );
        // Stryker disable next-line ArrayDeclaration: a filler entry has no Id and is skipped.
        ids.push(...(page.Targets ?? []).flatMap((t) => (t.Id ? [t.Id] : [])));
        NextToken = page.NextToken;
      } while (NextToken);
      for (let i = 0; i < ids.length; i += MAX_TARGETS_PER_CALL) {
        const Ids = ids.slice(i, i + MAX_TARGETS_PER_CALL);
        const out = await d.eventBridge.send(new RemoveTargetsCommand({ Rule, EventBusName, Ids }));
        if ((out.FailedEntryCount ?? 0) > 0) {
          const first = out.FailedEntries?.[0];
          throw new TransientError(
            `${out.FailedEntryCount} target(s) of rule ${Rule} could not be removed (${first?.ErrorCode ?? 'no code'}: ${first?.ErrorMessage ?? 'no message'}); retried`,
          );
        }
        removedTargets += Ids.length;
      }
      await d.eventBridge.send(new DeleteRuleCommand({ Name: Rule, EventBusName }));
    } catch (error) {
      if (isNotFound(error)) {
        return {
          resources: [
            resource(
              'rule',
              Rule,
              removedTargets > 0 ? 'removed' : 'alreadyGone',
              removedTargets > 0 ? `${removedTargets} target(s) removed; the rule was gone after` : undefined,
            ),
          ],
        };
      }
      if (isAwsError(error, 'ConcurrentModificationException')) {
        throw new TransientError(`Rule ${Rule} is being changed; its deletion is retried`, { cause: error });
      }
      throw error;
    }
    return {
      resources: [resource('rule', Rule, 'removed', `${removedTargets} target(s) removed first`)],
    };
  },
);

export const handler = taskHandler(TeardownState.DeleteRedeployRule, (event: TeardownExecutionState) =>
  run(event),
);
