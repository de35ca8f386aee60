// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IRevenuePool
 * @notice The part of the revenue pool that payers (such as {Licenses}) use.
 */
interface IRevenuePool {
    /**
     * @notice Pays `amount` of `token` (address(0) for ETH, sent as `msg.value`) as revenue of `assetId`.
     * @dev ERC-20 amounts are pulled from the caller, who must have approved the pool.
     */
    function deposit(uint256 assetId, address token, uint256 amount) external payable;

    /**
     * @notice Credits `amount` of ERC-20 `token` already transferred to the pool, and not yet accounted, as revenue
     * of `assetId`. Lets a payer transfer straight from a buyer to the pool and record it in the same transaction.
     */
    function depositReceived(uint256 assetId, address token, uint256 amount) external;

    /// @notice Whether `token` (address(0) for ETH) is accepted for deposits.
    function isCurrencyEnabled(address token) external view returns (bool);
}
