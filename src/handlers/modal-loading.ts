import type { BlockAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { userFacingText } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorModal, loadingModal } from '../views/billingCard.js';

/**
 * Opens a modal at once with a loading view, then replaces it with what `render` builds. A trigger id lasts three
 * seconds, and what `render` asks Stripe for may take longer; opening first keeps the click from being lost. A failure
 * is logged and shown in the modal itself. From inside a modal the new one is pushed on top of it.
 */
export async function openWhileLoading(
  slack: WebClient,
  logger: Logger,
  body: BlockAction,
  title: string,
  render: () => Promise<ModalView>,
): Promise<void> {
  const loading = loadingModal(title);
  const opened =
    body.view?.type === 'modal'
      ? await slack.views.push({ trigger_id: body.trigger_id, view: loading })
      : await slack.views.open({ trigger_id: body.trigger_id, view: loading });
  const viewId = opened.view?.id;
  if (!viewId) return;
  let view: ModalView;
  try {
    view = await render();
  } catch (error) {
    logger.warn({ err: error, title }, 'could not build a modal');
    view = errorModal(title, userFacingText(error));
  }
  await slack.views.update({ view_id: viewId, view });
}
